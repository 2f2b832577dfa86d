all:
	@echo $(patsubst %.c,%.o,x.c.c bar.c baz.h)
