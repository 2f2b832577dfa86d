# files: src/a.c@1 src/b.c@1
VPATH = src
all: a.c b.c
	@echo $< $^ $?
