# args: -t
# files: in@1
out: in
	@echo x
