all:
	@$(MAKE) -s sub
sub:
	@echo in sub $(MAKELEVEL)
