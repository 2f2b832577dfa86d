# args: -w
all:
	@$(MAKE) -f Makefile inner
inner:
	@echo inner
