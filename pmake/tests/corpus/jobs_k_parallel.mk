# args: -j3 -k
all: ok bad
ok:
	@touch ok
bad:
	@exit 5
