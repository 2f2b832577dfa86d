A = 1
ifdef A
 ifdef B
 R = ab
 else
 R = a
 endif
else
R = none
endif
all:
	@echo $(R)
