all:
	@echo $(subst a,b,\
	aaa)
