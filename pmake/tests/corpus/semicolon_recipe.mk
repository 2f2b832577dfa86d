all: ; @echo inline
