# files: all.c@1
.PHONY: all
all:
