# args: -t
# files: t@1 n@5
t:: n
	@echo x
t:: n
	@echo y
