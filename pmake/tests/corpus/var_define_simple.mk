V = x
define D :=
$(V)
endef
V = y
all:
	@echo $(D)
