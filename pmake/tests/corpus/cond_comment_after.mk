ifdef X # comment
R = 1
else # c
R = 2
endif # c
all:
	@echo $(R)
