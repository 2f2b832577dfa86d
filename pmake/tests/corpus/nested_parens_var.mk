all:
	@echo $(subst (,[,a(b)c)
