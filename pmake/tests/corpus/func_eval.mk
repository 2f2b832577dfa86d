define R
$(1):
	@echo rule $(1)
endef
$(foreach t,x y,$(eval $(call R,$(t))))
all: x y
