ifdef NOPE
define X
endif
endef
endif
all:
	@echo ok
