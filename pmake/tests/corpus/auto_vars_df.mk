all: dir/sub/file.c
	@echo $(@D) $(@F) $(<D) $(<F) $(^D)
dir/sub/file.c:
	@:
