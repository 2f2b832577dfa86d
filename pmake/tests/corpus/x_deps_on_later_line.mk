all: a
all: b
	@echo $^
a b:
	@:
