# args: -B
# files: a@1 b@2 c@3
c: b
	@echo c
b: a
	@echo b
