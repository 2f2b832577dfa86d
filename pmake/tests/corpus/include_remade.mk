include gen.mk
all:
	@echo X=$(X)
gen.mk:
	@echo 'X = generated' > $@
