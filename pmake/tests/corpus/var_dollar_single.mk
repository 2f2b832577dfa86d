x = ex
all:
	@echo $x $$HOME_NOT $(x)
