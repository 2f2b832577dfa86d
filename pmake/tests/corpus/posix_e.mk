.POSIX:
all:
	@false; echo not reached
