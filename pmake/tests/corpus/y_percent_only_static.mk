all: x y
x y: %:
	@echo static $@ $*
