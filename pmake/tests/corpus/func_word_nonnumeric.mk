all:
	@echo $(word x, foo bar)
