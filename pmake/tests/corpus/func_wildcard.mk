# files: a.c b.c c.h sub/d.c
all:
	@echo $(wildcard *.c) $(wildcard sub/*.c) [$(wildcard nothing*)]
