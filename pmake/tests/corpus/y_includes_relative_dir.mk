# files: sub/
include sub/gen.mk
all:
	@echo V=$(V)
sub/gen.mk:
	@echo 'V = sub' > $@
