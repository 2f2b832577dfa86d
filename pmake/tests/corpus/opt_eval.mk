# args: --eval 'X = evald' all
all:
	@echo $(X)
