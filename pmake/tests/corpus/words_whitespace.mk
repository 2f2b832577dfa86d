X = a	b  c
all:
	@echo $(words $(X))
