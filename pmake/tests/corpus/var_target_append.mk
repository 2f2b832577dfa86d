X = g
all: X += t
all:
	@echo $(X)
