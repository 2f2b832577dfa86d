all:
	@echo [$(realpath nope)]
