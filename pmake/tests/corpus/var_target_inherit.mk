X = global
all: X = fromall
all: child
	@echo all $(X)
child:
	@echo child $(X)
