all:
	@echo $(MAKE)
