# args: nosuch
all:
	@echo all
