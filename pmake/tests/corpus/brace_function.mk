X = abc
all:
	@echo ${subst b,B,$(X)}
