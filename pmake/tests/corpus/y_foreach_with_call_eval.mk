PROGS = p1 p2
p1_SRCS = a
p2_SRCS = b c
define P
$(1): ; @echo $(1): $$($(1)_SRCS)
endef
$(foreach p,$(PROGS),$(eval $(call P,$(p))))
all: $(PROGS)
