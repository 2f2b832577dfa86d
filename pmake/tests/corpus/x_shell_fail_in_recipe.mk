all:
	@echo [$(shell false)] $(.SHELLSTATUS)
