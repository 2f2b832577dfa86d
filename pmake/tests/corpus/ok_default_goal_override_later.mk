a:
	@echo a
.DEFAULT_GOAL := b
b:
	@echo b
