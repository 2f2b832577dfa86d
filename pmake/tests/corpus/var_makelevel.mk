all:
	@echo $(MAKELEVEL)
