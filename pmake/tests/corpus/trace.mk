# args: --trace
# files: x.c@1
all: b x.o
	@echo hi
b:
	@echo b
%.o: %.c
	@echo cc $<
