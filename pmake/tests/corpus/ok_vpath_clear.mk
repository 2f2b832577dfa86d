# files: src/a.c@1
vpath %.c src
vpath %.c
all: a.c
	@echo $<
