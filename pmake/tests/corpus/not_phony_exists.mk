# files: clean@1
clean:
	@echo cleaning
