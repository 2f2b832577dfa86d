# files: d/Makefile
all:
	@echo 'x:;@echo in d' > d/Makefile
	$(MAKE) -C d
