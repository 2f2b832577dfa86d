all:
	@echo a

	@echo b
# comment
	@echo c
