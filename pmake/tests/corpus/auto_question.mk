# files: t@5 old@1 new@10
t: old new
	@echo $?
