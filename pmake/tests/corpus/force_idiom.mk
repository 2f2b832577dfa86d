# files: out@10
out: FORCE
	@echo forced
FORCE:
