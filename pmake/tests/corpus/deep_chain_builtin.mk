# args: -n
# files: p.y@1
all: p.o
