# files: x.c@1 y.h@2
all: x.c y.h x.c | z
	@echo '$@|$<|$^|$+|$||$?'
z:
	@:
