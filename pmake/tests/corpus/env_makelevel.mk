# env: MAKELEVEL=3
all:
	@echo $(MAKELEVEL)
