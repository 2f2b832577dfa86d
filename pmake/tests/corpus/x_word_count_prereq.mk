all: a b c
	@echo $(words $^)
a b c:
	@:
