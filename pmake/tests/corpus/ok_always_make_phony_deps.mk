# args: -B
# files: a@1 b@2
b: a
	@echo b
