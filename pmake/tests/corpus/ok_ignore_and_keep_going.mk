# args: -ik
all: a b
a:
	@false
b:
	@echo b
