# files: a.o@1 b.o@2 c.x@3
# archive(*.o) globs over the archive's members; $(wildcard) too.
ARFLAGS = rvU
all:
	@$(MAKE) --no-print-directory lib.a
	@$(MAKE) --no-print-directory list
lib.a: lib.a(a.o b.o c.x)
list: lib.a(*.o) lib.a(*.z) nolib.a(*.o)
	@echo '[$^]' '[$(wildcard lib.a(*.o) lib.a(zz.o) nolib.a(*.o) lib.a(a.o b.o))]'
lib.a(*.z) nolib.a(*.o):;
