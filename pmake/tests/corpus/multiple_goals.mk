# args: b a b
a:
	@echo a
b:
	@echo b
