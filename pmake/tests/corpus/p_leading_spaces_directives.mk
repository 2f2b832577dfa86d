   ifdef X
  R = 1
  else
  R = 2
   endif
all:
	@echo $(R)
