# files: out@10
.PHONY: p
out: p
	@echo out rebuilt
p:
	@:
