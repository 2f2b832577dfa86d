# files: inc.mk
include inc.mk
all:
	@echo $(MAKEFILE_LIST)
