all:
	@echo before
	$(info expanded first)
	@echo after
