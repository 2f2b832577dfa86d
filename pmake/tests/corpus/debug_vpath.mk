# args: -r --debug=v
# files: sub/dep.c@10 sub/old.o@20 sub/stale.o@5
vpath %.c sub
vpath %.o sub
all: old.o stale.o
old.o: dep.c
	@echo old
stale.o: dep.c
	@echo stale $@
