ifeq ($(strip $(filter b,a b c)),b)
R = ok
endif
all:
	@echo $(R)
