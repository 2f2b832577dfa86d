# args: -j2 -Otarget
all:
	@echo out; echo err >&2; exit 1
