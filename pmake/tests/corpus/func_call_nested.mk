map = $(foreach a,$(2),$(call $(1),$(a)))
up = [$(1)]
all:
	@echo $(call map,up,x y z)
