ifdef A
all:
	@echo x
