# args: --debug=b -k
all: ok bad missing-dep after
ok:
	@echo ok
bad:
	@exit 3
missing-dep: nowhere
	@echo never
after:
	@echo after
