# args: X=cmd
X += file
all:
	@echo $(X)
