# files: sub/a sub/b
all:
	@echo $(wildcard sub/*) $(wildcard sub/)
