endef
all:
