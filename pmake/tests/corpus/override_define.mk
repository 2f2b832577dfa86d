# args: V=cmd
override define V
file
endef
all:
	@echo $(V)
