$(info a,b,c)
all:;@:
