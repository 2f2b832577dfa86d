# args: Makefile
all:
