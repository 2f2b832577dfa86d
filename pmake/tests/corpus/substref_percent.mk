X = a.c b.c
all:
	@echo $(X:%.c=%.o) ${X:.c=.h}
