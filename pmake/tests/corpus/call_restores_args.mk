f = [$(1)$(2)]
g = $(call f,$(1)) $(2)
all:
	@echo $(call g,a,b)
