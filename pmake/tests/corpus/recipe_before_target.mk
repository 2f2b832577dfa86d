	echo hi
all:
	@echo x
