# args: V=1
all:
	@$(MAKE) -s sub
sub:
	@echo V=$(V) [$(MAKEFLAGS)]
