define X
v
endef # trailing
all:
	@echo $(X)
