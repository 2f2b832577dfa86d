X += a
all:
	@echo '$(X)' $(flavor X)
