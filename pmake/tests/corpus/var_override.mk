# args: A=cmd
override A = file
all:
	@echo $(A)
