# env: FOO=env
unexport FOO
all:
	@echo [$$FOO]
