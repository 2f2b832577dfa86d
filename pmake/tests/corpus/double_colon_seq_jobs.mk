# args: -j3
all:: a
	@echo 1
all:: b
	@echo 2
a:
	@echo a
b:
	@echo b
