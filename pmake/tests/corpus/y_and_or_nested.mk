all:
	@echo [$(and $(or ,x),$(if y,z))]
