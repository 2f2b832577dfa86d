# files: a.in@1
.SUFFIXES: .in .out
.in.out: extra
	@echo $@
extra:
	@echo extra
all: a.out
