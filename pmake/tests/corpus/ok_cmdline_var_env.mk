# args: CV=cmd
all:
	@echo [$$CV]
