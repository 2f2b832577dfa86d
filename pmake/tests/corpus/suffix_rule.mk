# files: a.in@1
.SUFFIXES: .in .out
.in.out:
	cp $< $@
all: a.out
