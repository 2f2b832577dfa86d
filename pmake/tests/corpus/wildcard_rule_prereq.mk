# files: a.c@1 b.c@1
all: $(wildcard *.c)
	@echo $^
