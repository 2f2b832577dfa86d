# args: -k
all:
	@$(MAKE) -s sub
sub:
	@echo [$(MAKEFLAGS)]
