# args: -r --debug=v,m
# files: inc.mk
-include nope.mk
include inc.mk
all:
	@echo "[$(MAKEFLAGS)]"
