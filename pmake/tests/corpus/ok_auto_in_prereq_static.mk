all: a.x
a.x: %.x: %.y
	@echo $< $* $(*F)
%.y:
	@:
