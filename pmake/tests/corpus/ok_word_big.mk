all:
	@echo [$(word 5,a b)] [$(wordlist 2,1,a b)] [$(wordlist 2,9,a b c)]
