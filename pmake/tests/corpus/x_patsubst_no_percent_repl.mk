all:
	@echo $(patsubst %.c,fixed,a.c b.c)
