# files: inc/x.h@1 src/y.c@1
vpath %.h inc
vpath %.c src
all: x.h y.c
	@echo $^
