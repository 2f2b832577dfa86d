A = base
%.o: A += pat
all: x.o
x.o:
	@echo $(A)
