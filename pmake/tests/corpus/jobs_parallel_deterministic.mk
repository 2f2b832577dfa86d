# args: -j4
all: a b c
	@cat a b c
a b c:
	@echo $@ > $@
