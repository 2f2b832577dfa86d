all:
	@echo $(word 0, foo bar)
