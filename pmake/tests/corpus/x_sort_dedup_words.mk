all:
	@echo $(sort b a b  c)
