define BODY
@echo one
echo two
endef
all:
	$(BODY)
