# args: -n
all: a
a: b
	touch a
b:
	touch b
