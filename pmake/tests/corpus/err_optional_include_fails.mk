-include gen.mk
all:
	@echo all
gen.mk:
	@exit 1
