all:
	@echo $(subst ee,EE,feet on the street)
