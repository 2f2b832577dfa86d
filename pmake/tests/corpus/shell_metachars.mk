all:
	@echo a > f; cat f | tr a b
