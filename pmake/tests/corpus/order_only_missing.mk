t: | dir
	@echo build t > t
dir:
	mkdir dir
