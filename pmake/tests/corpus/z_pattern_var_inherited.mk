%.o: CF = pat
all: a.o
a.o: a.h
	@echo $@ $(CF)
a.h:
	@echo $@ [$(CF)]
