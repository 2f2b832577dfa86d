# files: Makefile.in@1
all:
	@echo all
