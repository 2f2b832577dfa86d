# files: src/a.c@1
all: obj/a.o
obj/%.o: src/%.c
	@echo $< '->' $@
