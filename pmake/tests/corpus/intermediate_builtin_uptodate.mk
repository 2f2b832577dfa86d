# args: -n
# files: p.y@1 p.o@10
all: p.o
