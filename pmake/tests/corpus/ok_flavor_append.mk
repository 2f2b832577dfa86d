A := x
A += y
B = x
B += y
all:
	@echo $(flavor A) $(flavor B)
