dirs := a b c
all:
	@echo $(foreach d,$(dirs),$(d)/x)
