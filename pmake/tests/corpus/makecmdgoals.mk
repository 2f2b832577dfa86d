# args: a b
a:
	@echo $(MAKECMDGOALS)
b:
	@:
