all: a.o
a.o: %.o: %.c | dir
	@echo $^ '|' $|
%.c:
	@:
dir:
	@:
