all:
	@echo $(dir a/ /b c) $(notdir a/ /b)
