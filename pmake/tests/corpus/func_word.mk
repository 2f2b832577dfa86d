all:
	@echo $(word 2, foo bar baz) $(wordlist 2, 3, foo bar baz) $(words foo bar baz) $(firstword a b) $(lastword a b)
