# args: --debug=v
# files: src@10 t@20
all: t u
t:: src
	@echo t1
t:: newer
	@echo t2
newer:
	@echo newer
u::
	@echo u
