# files: src/out@1 in@10
VPATH = src
out: in
	@echo rebuilding $@ from $<
