# files: one.t@1 two.t@1
LIST = $(wildcard *.t)
all:
	@echo $(LIST) $(words $(LIST))
