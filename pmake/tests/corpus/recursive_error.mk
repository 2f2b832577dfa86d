all:
	@$(MAKE) sub
sub:
	@exit 4
