all: ; @echo one
	@echo two
