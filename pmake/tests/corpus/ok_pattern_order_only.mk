# files: a.c@1
all: a.o
%.o: %.c | setup
	@echo $< '|' $|
setup:
	@echo setup
