.PHONY: %.p
all: x.p
%.p:
	@echo $@
