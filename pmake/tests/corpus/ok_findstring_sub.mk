all:
	@echo [$(findstring bc,abcd)]
