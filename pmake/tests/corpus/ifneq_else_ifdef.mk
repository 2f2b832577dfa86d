ifneq (a,a)
R = 1
else ifdef UNDEF
R = 2
else ifndef UNDEF
R = 3
endif
all:
	@echo $(R)
