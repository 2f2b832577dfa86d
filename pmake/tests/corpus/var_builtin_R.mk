# args: -R
all:
	@echo '[$(CC)]'
