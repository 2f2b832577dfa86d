# env: V=env
V = file
all:
	@echo $$V
