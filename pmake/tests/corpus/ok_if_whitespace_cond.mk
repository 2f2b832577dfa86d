all:
	@echo $(if $(subst x,,x), yes, no)
