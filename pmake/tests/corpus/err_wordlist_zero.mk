all:
	@echo $(wordlist 0,2,a b c)
