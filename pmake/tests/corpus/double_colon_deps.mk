# files: a@1 b@10 t@5
t:: a
	@echo from a
t:: b
	@echo from b
