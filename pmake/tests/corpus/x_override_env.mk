# env: E=env
override E = mk
all:
	@echo $(E) $$E
