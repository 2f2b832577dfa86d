# files: incdir/x.mk
# args: -I incdir
include x.mk
all:
	@echo ok $(MAKEFILE_LIST)
