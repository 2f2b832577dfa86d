# args: -k
# files: a.o@1 b.o@2
# .DELETE_ON_ERROR does not delete archive members: one the failed recipe changed is
# reported, one it left alone is not.
ARFLAGS = rvU
.DELETE_ON_ERROR:
all: lib.a(a.o) lib.a(b.o)
lib.a(a.o): a.o
	$(AR) $(ARFLAGS) $@ $<
	false
lib.a(b.o): b.o
	false
