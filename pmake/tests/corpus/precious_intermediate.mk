# files: a.x@1
.PRECIOUS: %.y
all: a.z
%.y: %.x
	cp $< $@
%.z: %.y
	cp $< $@
