# files: a.o@1 b.o@2
# make -t sets a member's date in the archive; GNU-form errors for members it cannot touch.
ARFLAGS = rvU
all:
	@$(MAKE) --no-print-directory 'lib.a(a.o)' 'lib.a(b.o)'
	touch -d @1500000100 a.o b.o
	-@$(MAKE) --no-print-directory -t 'lib.a(a.o)' 'nolib.a(b.o)'
	@$(AR) tvU lib.a | awk '{print $$NF, ($$(NF-1) == 2017) ? "old" : "touched"}'
	@rm lib.a
nolib.a(b.o): b.o
	$(AR) $(ARFLAGS) $@ $<
