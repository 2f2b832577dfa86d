X =	val
all:
	@echo [$(X)]
