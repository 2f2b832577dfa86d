# args: X=cmd
all: X = tgt
all:
	@echo $(X)
