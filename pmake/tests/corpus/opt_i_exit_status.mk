# args: -i
all: a b
a:
	exit 3
b:
	@echo b
