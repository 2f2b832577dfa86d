# args: X=cmd
all: override X = tgt
all:
	@echo $(X)
