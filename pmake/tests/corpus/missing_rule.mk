all: nosuch
	@echo all
