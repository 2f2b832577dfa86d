# args: X=cmd
override X += file
all:
	@echo $(X)
