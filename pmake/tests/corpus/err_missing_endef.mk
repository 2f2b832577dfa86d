define X
foo
all:
