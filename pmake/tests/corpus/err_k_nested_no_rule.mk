# args: -k
all: a c
a: b
	@echo a
c:
	@echo c
