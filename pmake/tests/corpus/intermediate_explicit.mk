# files: a.x@1
.INTERMEDIATE: a.y
all: a.z
a.y: a.x
	cp $< $@
a.z: a.y
	cp $< $@
