define X
a
endef
define X +=
b
endef
all:
	@echo $(X)
