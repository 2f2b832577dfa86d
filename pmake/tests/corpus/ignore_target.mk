.IGNORE: all
all:
	@exit 1
	@echo after
