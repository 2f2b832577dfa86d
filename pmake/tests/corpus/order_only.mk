# files: dir/@1 t@5
t: | dir
	@echo build t
dir:
	mkdir dir
