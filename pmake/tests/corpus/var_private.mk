X = g
all: private X = p
all: child
	@echo all $(X)
child:
	@echo child $(X)
