include nofile.mk
all:
	@echo all
