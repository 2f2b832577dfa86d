ifeq ($(error stop here),)
endif
all:
