all:
	@echo $(suffix src/foo.c src-1.0/bar.c hacks) $(basename src/foo.c src-1.0/bar hacks)
