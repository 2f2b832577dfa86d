X = a   # comment
all:
	@echo '[$(X)]'
