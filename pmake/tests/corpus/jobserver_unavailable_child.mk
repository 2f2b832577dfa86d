# args: -j2
all:
	@make -s inner
inner:
	@echo inner ran
