$(file foo)
all:
