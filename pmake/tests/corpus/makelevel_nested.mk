all:
	@$(MAKE) --no-print-directory l1
l1:
	@$(MAKE) --no-print-directory l2
l2:
	@echo level $(MAKELEVEL)
