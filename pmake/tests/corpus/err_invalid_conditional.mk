ifeq a b
endif
all:
