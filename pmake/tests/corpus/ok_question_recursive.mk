# args: -q
# files: out@10 in@1
out: in
	@echo never
