all:
	@echo $(join a b c,1 2)
