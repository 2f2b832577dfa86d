# files: sub/x
# args: -C sub -f ../Makefile
all:
	@ls
