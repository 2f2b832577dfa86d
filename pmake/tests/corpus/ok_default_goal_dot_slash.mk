./dir/x:
	@echo x
