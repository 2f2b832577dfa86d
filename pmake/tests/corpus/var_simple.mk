B = first
A := $(B)
B = later
all:
	@echo $(A) $(B)
