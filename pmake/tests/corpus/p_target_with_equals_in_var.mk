EQ = =
all:
	@echo a$(EQ)b
