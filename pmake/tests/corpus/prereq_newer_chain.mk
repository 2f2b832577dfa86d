# files: a@1 b@5 c@3
c: b
	@echo c from b
b: a
	@echo b from a
