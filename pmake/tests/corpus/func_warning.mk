$(warning careful)
all:
	@echo done
