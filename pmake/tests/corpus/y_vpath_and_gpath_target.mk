# files: lib/x.in@1
vpath %.in lib
all: x.out
%.out: %.in
	@echo $< $@
