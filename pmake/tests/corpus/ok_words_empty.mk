all:
	@echo $(words ) [$(firstword )] [$(lastword )]
