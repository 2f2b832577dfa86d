# env: SHELL=/bin/false
all:
	@echo $(SHELL) ok
