all:
	@echo $(MAKE_VERSION)
