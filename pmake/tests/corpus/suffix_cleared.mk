# files: hello.c@1
.SUFFIXES:
all: hello.o
