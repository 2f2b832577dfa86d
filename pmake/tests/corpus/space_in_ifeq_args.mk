X = a b
ifeq ($(X),a b)
R = y
endif
all:
	@echo $(R)
