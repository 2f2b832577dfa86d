X != printf 'a\nb\n\n'
all:
	@echo [$(X)]
