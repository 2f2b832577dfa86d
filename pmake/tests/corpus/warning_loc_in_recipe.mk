all:
	@echo a
	$(warning w in recipe)
