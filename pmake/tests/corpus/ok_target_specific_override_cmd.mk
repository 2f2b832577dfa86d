# args: A=cmd
all: override A += tgt
all:
	@echo $(A)
