all:
	@echo [$(call nosuch,a)]
