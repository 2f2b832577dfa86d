$(eval all: ; @echo $$$$HOME | cut -c1)
