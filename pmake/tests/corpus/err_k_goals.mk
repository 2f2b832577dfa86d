# args: -k bad good
bad:
	@false
good:
	@echo good
