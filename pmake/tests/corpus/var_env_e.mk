# args: -e
# env: FOO=fromenv
FOO = file
all:
	@echo $(FOO) $(origin FOO)
