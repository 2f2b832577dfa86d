X = val
all:
	@echo [$(X)] \
	more
