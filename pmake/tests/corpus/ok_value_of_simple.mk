A := x$$y
all:
	@echo '$(value A)'
