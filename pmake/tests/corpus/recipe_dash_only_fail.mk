all:
	-@nosuchcmd_zz
	@echo after
