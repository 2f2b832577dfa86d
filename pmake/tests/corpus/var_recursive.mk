A = $(B)
B = later
all:
	@echo $(A)
