all:
	@X=1; echo $$X
