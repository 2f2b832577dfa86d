# args: -n
# files: in@10 out@1
out: in
	@echo building
	touch out
