# files: inc1.mk inc2.mk
include inc*.mk
all:
	@echo $(MAKEFILE_LIST)
