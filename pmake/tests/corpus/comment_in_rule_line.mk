all: a # not a prereq
	@echo done
a:
	@echo a
