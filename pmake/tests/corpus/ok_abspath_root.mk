all:
	@echo $(abspath /a/b/../c/.) $(abspath /)
