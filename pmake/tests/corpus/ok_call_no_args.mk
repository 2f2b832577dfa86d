f = [$(0)][$(1)]
all:
	@echo $(call f)
