# args: -k
all: a b
a:
	@$(MAKE) -s fail
b:
	@echo b
fail:
	@false
