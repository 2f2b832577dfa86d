# args: -j2
all:
	@$(MAKE) -s inner
inner:
	@echo [$(filter -j%,$(MAKEFLAGS))]
