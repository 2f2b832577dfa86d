all:
	@echo $(dir src/foo.c hacks) $(notdir src/foo.c hacks)
