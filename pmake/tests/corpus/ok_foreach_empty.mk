all:
	@echo [$(foreach x,,$(x))]
