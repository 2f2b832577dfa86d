# args: -n
all:
	@+echo forced
	@echo not run
