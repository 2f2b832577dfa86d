# env: MAKEFILES=extra.mk
# files: extra.mk
all:
	@echo $(MAKEFILE_LIST)
