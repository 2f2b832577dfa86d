# args: -s
all:
	@echo quiet
