# args: A=cmd
A = file
all:
	@echo $(A)
