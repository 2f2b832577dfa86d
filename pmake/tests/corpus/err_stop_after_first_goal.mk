# args: bad good
bad:
	@false
good:
	@echo good
