# comment
X = a # trailing
all: # comment
	@echo '$(X)' # in recipe goes to shell
