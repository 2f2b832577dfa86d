all: sub/x
sub/x:
	@exit 2
