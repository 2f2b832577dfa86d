# args: -j2
all: x y
x y &:
	@echo once
	@touch x y
