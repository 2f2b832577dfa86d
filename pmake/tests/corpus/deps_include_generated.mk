# files: a.c@1 b.c@1
SRCS = a.c b.c
all: $(SRCS:.c=.x)
	@echo done
%.x: %.c
	@echo build $@
	@touch $@
%.d: %.c
	@echo '$*.x: $<' > $@
-include $(SRCS:.c=.d)
