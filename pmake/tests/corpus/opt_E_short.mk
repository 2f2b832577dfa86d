# args: -E 'X = short-e'
all:
	@echo $(X)
