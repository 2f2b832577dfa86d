all: a
	@echo all
a:
	@false
