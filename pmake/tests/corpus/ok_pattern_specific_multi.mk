%.o: A = generic
foo%.o: A = specific
all: foo1.o bar.o
%.o:
	@echo $@ $(A)
