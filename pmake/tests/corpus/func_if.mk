all:
	@echo $(if x,yes,no) $(if ,yes,no) [$(if ,yes)]
