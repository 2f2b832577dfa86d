all:
ifdef NOPE
	@echo hidden
endif
	@echo shown
