# args: -n
# files: prog.c@1
all: prog
