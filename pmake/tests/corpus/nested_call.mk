f = $(1)-$(2)
g = $(call f,$(1),x)
all:
	@echo $(call g,a,b)
