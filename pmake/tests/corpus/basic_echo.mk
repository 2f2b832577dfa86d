all:
	echo hello
