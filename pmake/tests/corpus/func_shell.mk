X := $(shell echo a; echo b)
all:
	@echo '$(X)' $(.SHELLSTATUS)
