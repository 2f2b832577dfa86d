all:: 
	@echo one
all::
	@echo two
