define mk
$(1)_x:
	@echo $$@ from $(1)
endef
$(eval $(call mk,foo))
all: foo_x
