SRCS = a.c b.c c.h
all:
	@echo $(SRCS:.c=.o) $(SRCS:%.c=obj/%.o)
