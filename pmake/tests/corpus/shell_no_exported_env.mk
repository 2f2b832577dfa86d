export FOO = bar
X := $(shell echo [$$FOO])
all:
	@echo $(X) $(shell echo [$$FOO])
