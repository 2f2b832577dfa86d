X = 1
	
all:
	@echo ok
