all:
	@echo hi
foo bar baz
