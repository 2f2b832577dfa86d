X = $(foo
all:
	@echo $(X)
