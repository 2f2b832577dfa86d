all: foo.o
foo.o:
	@echo stem=$*
