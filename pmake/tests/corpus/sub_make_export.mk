export E1 = exported
N1 = notexported
all:
	@$(MAKE) -s inner
inner:
	@echo [$(E1)] [$(N1)]
