.PRECIOUS: out
out:
	@echo partial > $@; kill -TERM $$PPID; exec sleep 5
