# files: sub/x
all:
	@echo $(notdir $(realpath sub/../sub/x)) $(notdir $(abspath ./a/../b))
