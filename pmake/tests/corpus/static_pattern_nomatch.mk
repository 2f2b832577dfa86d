all: a.o x.y
a.o x.y: %.o: %.c
	@echo $@
%.c:
	@:
