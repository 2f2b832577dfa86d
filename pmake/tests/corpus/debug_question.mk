# args: -q --debug=b
# files: src@20 t@10
t: src
	@echo t
