A = a
A += b
S := x
S += y
all:
	@echo '$(A)' '$(S)'
