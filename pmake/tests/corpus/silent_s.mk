# args: -s
all:
	echo hi
