X = a:b
all:
	@echo $(X)
