X := a
X := $(X) b
all:
	@echo $(X)
