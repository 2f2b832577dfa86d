# args: -j8
.NOTPARALLEL:
all: 1 2 3 4
1 2 3 4:
	@echo $@
