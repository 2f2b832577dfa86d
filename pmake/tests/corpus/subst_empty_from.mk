all:
	@echo $(subst ,x,abc)
