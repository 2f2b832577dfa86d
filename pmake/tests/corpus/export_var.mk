export FOO = bar
BAZ = no
all:
	@echo [$$FOO] [$$BAZ]
