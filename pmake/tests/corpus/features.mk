all:
	@echo $(filter else-if grouped-target,$(.FEATURES))
