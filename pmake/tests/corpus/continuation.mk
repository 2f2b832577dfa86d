X = a \
    b \
  c
all:
	@echo '$(X)'
