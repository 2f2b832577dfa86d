# args: -k
all: bad
	@echo all
bad:
	@false
