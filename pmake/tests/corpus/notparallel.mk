# args: -j4
.NOTPARALLEL:
all: a b c
a:
	@echo a
b:
	@echo b
c:
	@echo c
