# args: -n
all:
	echo hi > f
	@echo silent
