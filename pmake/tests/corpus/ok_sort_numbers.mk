all:
	@echo $(sort 10 9 2 b a B)
