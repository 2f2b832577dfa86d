$(warning)
all:;@:
