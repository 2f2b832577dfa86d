# args: -j2
all: slow bad
slow:
	@i=0; until [ -e flag ]; do i=$$((i+1)); [ $$i -gt 2000 ] && break; sleep 0.005; done; echo slow done
bad:
	@touch flag; exit 1
