# files: a.c@1 a.h@1
all: a.o
a.o: a.h
%.o: %.c
	@echo '$^' '$<'
