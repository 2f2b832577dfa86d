all: a b a
	@echo '$^' '$+'
a b:
	@:
