# args: -w
all:
	@echo hi
