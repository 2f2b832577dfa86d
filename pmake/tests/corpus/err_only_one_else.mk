ifdef A
else
else
endif
all:
