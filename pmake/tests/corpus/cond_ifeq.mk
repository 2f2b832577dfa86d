A = x
ifeq ($(A),x)
R = yes
else
R = no
endif
all:
	@echo $(R)
