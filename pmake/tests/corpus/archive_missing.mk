# args: -k
# files: a.o@1 bad.a@2
# A missing archive has no members; a file that is no archive neither (ar fails);
# a member nothing can make.
ARFLAGS = rvU
all: new.a(a.o) bad.a(a.o) new.a(zz.o)
