X != echo hi; echo there
all:
	@echo '$(X)'
