# args: --check-symlink-times out
# A link newer than the target makes it out of date, though the file it points to is older.
$(shell touch -d '2001-01-01 00:00' real.c; touch -d '2005-01-01 00:00' out; ln -sf real.c link.c; touch -h -d '2010-01-01 00:00' link.c)
out: link.c
	@echo remade $@ from $<
