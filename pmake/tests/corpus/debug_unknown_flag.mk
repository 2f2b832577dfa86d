# args: --debug=b,x,v
all:
	@echo never
