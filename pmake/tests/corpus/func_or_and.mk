all:
	@echo [$(or ,,b,c)] [$(and a,b,c)] [$(and a,,c)]
