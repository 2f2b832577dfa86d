all: a\:b
	@echo [$^]
a\:b:
	@echo made colon
