# args: -o a
# files: a@10 b@1
b: a
	@echo b
a:
	@echo a
