all:
	@echo $(join a b,.c .o .x)
