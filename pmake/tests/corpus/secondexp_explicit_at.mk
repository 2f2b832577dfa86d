.SECONDEXPANSION:
all: x.tgt
x.tgt: $$(patsubst %.tgt,%.dep,$$@)
	@echo $< for $@
x.dep:
	@:
