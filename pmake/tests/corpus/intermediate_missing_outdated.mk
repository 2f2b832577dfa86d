# files: a.x@20 a.z@10
all: a.z
%.y: %.x
	cp $< $@
%.z: %.y
	cp $< $@
