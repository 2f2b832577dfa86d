T = eq
ifeq ($(T),$(subst x,e,xq))
R = 1
endif
all:
	@echo [$(R)]
