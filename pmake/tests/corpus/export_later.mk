FOO = bar
export FOO
all:
	@echo [$$FOO]
