all:
	@echo $(patsubst a,b)
