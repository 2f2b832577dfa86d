$(eval t: ; @echo from eval)
all: t
