all: MSG = building $@
all:
	@echo $(MSG)
