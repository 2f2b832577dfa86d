# args: A=cmd
override undefine A
all:
	@echo [$(A)]
