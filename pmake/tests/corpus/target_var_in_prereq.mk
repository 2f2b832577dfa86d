all: X = y
all: $(X)
	@echo [$^]
