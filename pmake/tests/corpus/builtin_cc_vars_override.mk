# args: -n CC=mycc CFLAGS=-O2
# files: x.c@1
x.o:
