# files: a.src@1
all: a.out
%.out: %.src
	cp $< $@
