# args: 'V=a b'
all:
	@$(MAKE) -s inner
inner:
	@echo [$(V)]
