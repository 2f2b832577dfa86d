FOO = $PATH
all:
	@echo '$(value FOO)'
