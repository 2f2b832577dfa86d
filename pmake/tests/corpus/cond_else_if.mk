V = 2
ifeq ($(V),1)
R = one
else ifeq ($(V),2)
R = two
else
R = other
endif
all:
	@echo $(R)
