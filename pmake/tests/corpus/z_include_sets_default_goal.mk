# files: inc.mk
-include inc2.mk
all:
	@echo all
