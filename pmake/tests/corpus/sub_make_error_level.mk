all:
	@$(MAKE) --no-print-directory inner
inner:
	@$(MAKE) --no-print-directory deeper
deeper:
	@exit 9
