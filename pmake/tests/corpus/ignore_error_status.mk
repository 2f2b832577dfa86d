all:
	-exit 7
	@echo end
