# files: p@100 d@1
.PHONY: p
p: d
	@echo phony runs
