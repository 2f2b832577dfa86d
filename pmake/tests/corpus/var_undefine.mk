A = 1
undefine A
all:
	@echo '[$(A)]' $(origin A)
