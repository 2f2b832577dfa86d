all:
	@echo before
	$(error boom)
