all:
	   
	@echo ok
