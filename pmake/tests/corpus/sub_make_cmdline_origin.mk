# args: V=top
all:
	@$(MAKE) -s inner
inner:
	@echo $(V) $(origin V)
