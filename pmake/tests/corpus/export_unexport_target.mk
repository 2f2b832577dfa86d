export A = 1
all: unexport A = 1
all:
	@echo [$$A]
