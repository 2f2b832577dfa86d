X = g
Y = $(X)
all: X = t
all:
	@echo $(Y)
