all:
	# a shell comment
	@echo x
