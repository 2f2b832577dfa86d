# args: -j2
all: a
a:
	@exit 2
