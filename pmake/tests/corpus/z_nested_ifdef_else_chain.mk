A = 1
ifdef B
R = b
else ifdef A
 ifeq ($(A),1)
 R = a1
 else
 R = a
 endif
else
R = none
endif
all:
	@echo $(R)
