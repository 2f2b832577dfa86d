# args: -k
all: a b c
a:
	@false
b:
	@echo b
c:
	@exit 3
