all:
	$(MAKE) bad
bad:
	@false
