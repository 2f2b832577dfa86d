all:
	@echo x
endif
