# args: -q
.PHONY: all
all:
	@echo x
