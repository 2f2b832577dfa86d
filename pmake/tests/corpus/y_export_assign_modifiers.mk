export override X := 1
all:
	@echo $$X $(origin X)
