all:
	@$(MAKE) -s inner MYV=1
inner:
	@echo [$(MAKEFLAGS)] $(MYV)
