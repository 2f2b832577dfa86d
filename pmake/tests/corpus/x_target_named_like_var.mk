define: 
	@echo target named define
