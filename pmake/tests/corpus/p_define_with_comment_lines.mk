define X
# not a comment
line
endef
all:
	@echo '$(X)'
