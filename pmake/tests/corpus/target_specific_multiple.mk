a b: X = 1
all: a b
a b:
	@echo $@ $(X)
