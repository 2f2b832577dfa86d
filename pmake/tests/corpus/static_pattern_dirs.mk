# files: src/a.c@1 src/b.c@1
OBJS = obj/a.o obj/b.o
all: $(OBJS)
$(OBJS): obj/%.o: src/%.c
	@echo $* $< $@
