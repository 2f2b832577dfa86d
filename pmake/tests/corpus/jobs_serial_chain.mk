# args: -j3
all: c
c: b
	@echo c
b: a
	@echo b
a:
	@echo a
