# args: out
# Without --check-symlink-times only the file a link points to counts.
$(shell touch -d '2001-01-01 00:00' real.c; touch -d '2005-01-01 00:00' out; ln -sf real.c link.c; touch -h -d '2010-01-01 00:00' link.c)
out: link.c
	@echo remade $@ from $<
