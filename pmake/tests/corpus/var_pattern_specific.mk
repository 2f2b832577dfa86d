X = g
%.o: X = pat
all: a.o
	@echo all $(X)
a.o:
	@echo $@ $(X)
