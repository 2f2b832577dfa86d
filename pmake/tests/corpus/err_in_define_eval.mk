define X
foo bar
endef
$(eval $(X))
all:
