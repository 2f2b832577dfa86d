all:
	@echo $(sort foo bar lose foo bar)
