# files: foo.c@1
.SECONDEXPANSION:
all: foo.o
%.o: $$*.c
	@echo $^
