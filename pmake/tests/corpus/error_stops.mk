all: a b
a:
	@exit 1
b:
	@echo b
