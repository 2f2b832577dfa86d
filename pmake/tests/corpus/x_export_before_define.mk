export LATER
LATER = v
all:
	@echo [$$LATER]
