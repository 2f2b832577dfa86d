define E
endef
all:
	@echo [$(E)]
