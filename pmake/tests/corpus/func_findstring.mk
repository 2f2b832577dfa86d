all:
	@echo [$(findstring a,a b c)] [$(findstring a,b c)]
