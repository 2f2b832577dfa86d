a:
	@echo a
$(info goal=$(.DEFAULT_GOAL))
b:
