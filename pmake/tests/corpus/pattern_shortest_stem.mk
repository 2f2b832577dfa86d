# files: dir/a.c@1
all: dir/a.o
%.o: %.c
	@echo generic $*
dir/%.o: dir/%.c
	@echo specific $*
