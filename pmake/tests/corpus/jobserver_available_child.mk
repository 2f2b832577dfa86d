# args: -j2
all:
	@$(MAKE) -s inner
inner:
	@echo inner ran
