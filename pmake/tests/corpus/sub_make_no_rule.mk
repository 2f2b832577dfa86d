all:
	@$(MAKE) --no-print-directory nosuch
