# files: clean@1
.PHONY: clean
clean:
	@echo cleaning
