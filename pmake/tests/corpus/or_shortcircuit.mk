all:
	@echo $(or a,$(error no))
