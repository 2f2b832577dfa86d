# files: a.x@1
.SECONDARY:
all: a.z
%.y: %.x
	cp $< $@
%.z: %.y
	cp $< $@
