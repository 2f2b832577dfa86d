R = a
S := b
all:
	@echo $(flavor R) $(flavor S) $(flavor U)
