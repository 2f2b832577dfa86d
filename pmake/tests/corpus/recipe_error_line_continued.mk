all:
	@echo a \
	  b

	@echo c
# c
	@false
