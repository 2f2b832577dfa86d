# args: A=1 B='x y'
all:
	@echo "$$MAKEFLAGS"
