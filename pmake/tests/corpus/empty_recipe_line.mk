all:
	@echo a
	
	@echo b
