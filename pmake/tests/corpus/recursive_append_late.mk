A = 1
B = $(A)
A += 2
all:
	@echo $(B)
