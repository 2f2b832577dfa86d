# files: src/x.c@1
vpath %.c src
all: x.o
%.o: %.c
	@echo $< $@
