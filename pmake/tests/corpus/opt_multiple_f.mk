# files: b.mk
# args: -f Makefile -f b.mk all
all:
	@echo $(MAKEFILE_LIST)
