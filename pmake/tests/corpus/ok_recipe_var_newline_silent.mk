define X
echo a
@echo b
endef
all:
	@$(X)
