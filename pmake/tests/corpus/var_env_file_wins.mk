# env: FOO=fromenv
FOO = file
all:
	@echo $(FOO) $$FOO
