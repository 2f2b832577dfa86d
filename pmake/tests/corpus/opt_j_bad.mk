# args: -j0
all:
