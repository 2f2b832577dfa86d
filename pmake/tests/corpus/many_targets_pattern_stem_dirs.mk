# files: a/b/c.in@1
all: a/b/c.out
%.out: %.in
	@echo $* $(*D) $(*F)
