all: X = $(X) more
all:
	@echo $(X)
