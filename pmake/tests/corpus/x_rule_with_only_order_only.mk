all: | o
	@echo all
o:
	@echo o
