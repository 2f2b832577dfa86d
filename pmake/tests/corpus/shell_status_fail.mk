X := $(shell exit 3)
all:
	@echo $(.SHELLSTATUS)
