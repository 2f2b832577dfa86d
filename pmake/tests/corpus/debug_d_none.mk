# args: -d --debug=n
all:
	@echo "[$(MAKEFLAGS)]"
