all: ./a
a:
	@echo a made
