# files: a.x@1
all: a.z
%.y: %.x
	cp $< $@
%.z: %.y
	cp $< $@
