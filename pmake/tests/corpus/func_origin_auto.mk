all:
	@echo $(origin <)
