X = cost$
all:
	@echo '$(X)'
