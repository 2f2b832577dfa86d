# args: -Onone -j2
all:
	@echo plain
