# args: -W in out
# files: in@1 out@10
out: in
	@echo remade out
