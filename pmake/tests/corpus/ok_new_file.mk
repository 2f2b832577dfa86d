# args: -W a
# files: a@1 b@10
b: a
	@echo b rebuilt
