all: $$@
	@echo [$^]
