define X
  a

  b  
endef
all:
	@echo [$(strip $(X))]
