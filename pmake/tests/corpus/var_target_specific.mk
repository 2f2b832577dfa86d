X = global
all: a b
a: X = fora
a:
	@echo a $(X)
b:
	@echo b $(X)
