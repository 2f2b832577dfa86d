all:
	@echo $(foreach a,1 2,$(foreach b,x y,$(a)$(b)))
