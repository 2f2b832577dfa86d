# files: t@5
t::
	@echo always
