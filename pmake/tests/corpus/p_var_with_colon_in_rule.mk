T = a
$(T): b
	@echo $@ $<
b:
	@:
