# files: a.c@1 b.c@1
OBJS = a.o b.o
all: $(OBJS)
$(OBJS): %.o: %.c
	@echo compile $< to $@
