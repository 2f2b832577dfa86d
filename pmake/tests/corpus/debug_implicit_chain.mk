# args: -r --debug=i
# files: x.a@10 x.b@15 x.c@20 y.c@10
all: x.c y.o
%.b: %.a
	cp $< $@
%.c: %.b
	cp $< $@
%.o: %.c common.h
	@echo cc $@
common.h:
