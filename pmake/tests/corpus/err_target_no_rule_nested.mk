all: a
a: b
	@echo a
