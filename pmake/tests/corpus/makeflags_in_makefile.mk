MAKEFLAGS += -s
all:
	echo not echoed
