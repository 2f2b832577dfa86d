$(info [$(MAKECMDGOALS)])
all:
	@:
