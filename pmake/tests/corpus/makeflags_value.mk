# args: -k -s
all:
	@echo [$(MAKEFLAGS)]
