# args: -n
# files: a.c@1 b.o@2
lib.a: lib.a(a.o b.o)
	ranlib $@
