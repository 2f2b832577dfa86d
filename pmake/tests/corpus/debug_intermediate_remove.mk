# args: -r --debug=b
# files: x.a@10
all: x.c
%.b: %.a
	cp $< $@
%.c: %.b
	cp $< $@
