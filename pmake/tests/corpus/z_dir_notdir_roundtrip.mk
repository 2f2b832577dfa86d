F = /a/b/c.d e/f
all:
	@echo $(join $(dir $(F)),$(notdir $(F)))
