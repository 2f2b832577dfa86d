-include nofile.mk
sinclude other.mk
all:
	@echo all
