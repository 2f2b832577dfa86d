 = value
all:
