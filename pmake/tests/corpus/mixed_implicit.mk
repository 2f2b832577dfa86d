a %.o: b
	@echo x
