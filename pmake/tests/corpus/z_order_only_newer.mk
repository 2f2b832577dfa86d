# files: t@5 o@10
t: | o
	@echo rebuilt
