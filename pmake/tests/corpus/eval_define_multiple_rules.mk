define TPL
$(1)_out:
	@echo building $(1)
all: $(1)_out
endef
all:
$(foreach m,x y z,$(eval $(call TPL,$(m))))
