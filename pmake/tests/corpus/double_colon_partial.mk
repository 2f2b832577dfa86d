# files: t@5 old@1 new@10
t:: old
	@echo from old
t:: new
	@echo from new
t::
	@echo always
