export = exp
all:
	@echo $(export)
