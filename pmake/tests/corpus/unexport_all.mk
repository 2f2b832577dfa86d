# env: A=1
export
unexport
B = 2
all:
	@echo [$$A] [$$B]
