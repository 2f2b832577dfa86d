all: V = x
all: dep$(V)
	@echo [$^]
dep:
	@:
