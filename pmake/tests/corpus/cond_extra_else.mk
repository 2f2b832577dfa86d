else
all:
