all:
	@
	@echo ok
