# args: -C nosuchdir
all:
