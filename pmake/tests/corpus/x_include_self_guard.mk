ifndef GUARD
GUARD = 1
include Makefile
endif
all:
	@echo $(words $(MAKEFILE_LIST))
