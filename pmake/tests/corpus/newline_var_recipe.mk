define CMDS
@echo one
@echo two
endef
all:
	$(CMDS)
