# args: -j
all: a b
	@cat a b
a b:
	@echo $@ > $@
