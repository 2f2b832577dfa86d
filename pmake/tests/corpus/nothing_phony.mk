.PHONY: all
all: x
x:
	@:
