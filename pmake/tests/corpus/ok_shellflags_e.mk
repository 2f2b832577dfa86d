.SHELLFLAGS = -ec
all:
	@false; echo not reached
