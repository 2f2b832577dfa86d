.DEFAULT_GOAL = a b
a:
	@echo a
b:
	@echo b
