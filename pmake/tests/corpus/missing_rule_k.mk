# args: -k
all: nosuch other
	@echo all
other:
	@echo other
