all: a \
     b
	@echo $^
a b:
	@:
