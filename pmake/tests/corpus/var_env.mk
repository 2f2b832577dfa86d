# env: FOO=fromenv
all:
	@echo $(FOO) $$FOO
