# args: -n
# files: hello.c@1
all: hello.o
