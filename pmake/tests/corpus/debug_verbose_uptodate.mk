# args: --debug=v all
# files: src@10 old@20 new@40 mid@30 dir/
all: old mid shared
old: src | dir
	@echo never
mid: new shared
	@echo mid
shared: src
	@echo shared
nocmd: src
