define F
ifeq (1,1)
X = yes
endif
endef
$(eval $(F))
all:
	@echo $(X)
