# args: --debug=b --no-print-directory
all:
	@echo "[$(MAKEFLAGS)]"
	@$(MAKE) -f Makefile sub
sub:
	@echo "sub [$(MAKEFLAGS)]"
