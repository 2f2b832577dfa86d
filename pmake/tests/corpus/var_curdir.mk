all:
	@echo $(notdir $(CURDIR))
