# files: src/a.c@1
vpath %.c src
all: a.c
	@echo found $^
