S = foo.c bar.c baz.s ugh.h
all:
	@echo $(filter %.c %.s,$(S)) / $(filter-out %.c,$(S))
