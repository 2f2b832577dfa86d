# args: -- X=1 all
all:
	@echo $(X)
