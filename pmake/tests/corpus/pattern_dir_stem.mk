# files: src/foo.c@1
all: src/foo.o
%.o: %.c
	@echo $* $< $@
