# files: src/a.c@1
VPATH = src
all: a.c
	@echo found $<
