all:
	@echo $(shell echo expanded)
