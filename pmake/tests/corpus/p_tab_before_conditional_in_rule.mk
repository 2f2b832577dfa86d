all:
	@echo a
	ifdef X
