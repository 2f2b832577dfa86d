$(info hello info)
all:
	@echo done
