# args: -j4 -l 1000
all: a b
	@cat a b
a b:
	@echo $@ > $@
