# args: -k -s
all:
	@echo [$(MFLAGS)]
