ifeq ($(UNDEF),)
R = empty
endif
all:
	@echo $(R)
