# env: V=env
all:
	@echo $(shell echo $$V)
