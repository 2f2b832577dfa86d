# files: a.x@1 a.z@10
all: a.z
%.y: %.x
	cp $< $@
%.z: %.y
	cp $< $@
