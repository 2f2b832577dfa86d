define TWO
echo one
echo two
endef
all:
	@$(TWO)
