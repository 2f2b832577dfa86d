# files: hello.c@1
%.o: %.c
all: hello.o
