all: a
	@echo all [$^]
a: .EXTRA_PREREQS = helper
a:
	@echo a [$^]
helper:
	@echo helper
