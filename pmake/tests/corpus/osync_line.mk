# args: -Oline
all:
	@echo one
	@echo two >&2
	echo three
