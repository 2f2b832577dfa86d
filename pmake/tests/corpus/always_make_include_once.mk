# args: -B
include gen.mk
all:
	@echo X=$(X)
gen.mk:
	@echo making gen; echo "X = 1" > $@
