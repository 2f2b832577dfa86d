# args: -j4 -Otarget
all: c
	@echo all
c: b
	@echo c1; echo c2 >&2
b: a
	echo b
a:
	@echo a
