# files: bar.c@1 bar.h@1
.SECONDEXPANSION:
all: bar.o
%.o: $$(addsuffix .h,$$*) %.c
	@echo $^ from $<
