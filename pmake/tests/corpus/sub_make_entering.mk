# files: sub/Makefile
all:
	@printf 'x:\n\t@echo in sub\n' > sub/Makefile
	$(MAKE) -C sub x
