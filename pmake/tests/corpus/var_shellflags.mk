.SHELLFLAGS = -ec
all:
	@echo $(.SHELLFLAGS)
