# args: --warn-undefined-variables
all:
	@echo [$(NOPE)]
