define OUTER
define INNER
x
endef
endef
$(eval $(OUTER))
all:
	@echo $(INNER)
