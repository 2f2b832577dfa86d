# args: -t
.PHONY: p
p:
	@echo p
