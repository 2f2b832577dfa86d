# args: --eval 'extra: ; @echo extra'
all:
	@echo all
