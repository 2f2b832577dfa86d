all: a.out
%.out: %.src
	cp $< $@
