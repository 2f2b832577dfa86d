# files: sub/inc.mk
include sub/inc.mk
all:
	@echo $(lastword $(MAKEFILE_LIST))
