# Compiles and links a small C program with generated dependency files.
CFLAGS = -O0 -MMD -MP
SRCS = main.c util.c
OBJS = $(SRCS:.c=.o)
DEPS = $(OBJS:.o=.d)

prog: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^

$(SRCS) util.h: gen
gen:
	@printf '#include "util.h"\nint main(void){return util();}\n' > main.c
	@printf 'int util(void);\n' > util.h
	@printf '#include "util.h"\nint util(void){return 0;}\n' > util.c
	@touch gen

clean:
	$(RM) prog $(OBJS) $(DEPS) gen

.PHONY: clean
-include $(DEPS)
