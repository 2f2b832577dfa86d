all:
	@echo a	b
