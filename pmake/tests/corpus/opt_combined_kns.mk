# args: -kns
all: a
	echo all
a:
	echo a
