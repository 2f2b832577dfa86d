all:: 
	@false
all::
	@echo second
