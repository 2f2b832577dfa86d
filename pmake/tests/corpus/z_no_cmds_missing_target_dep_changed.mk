# files: d@10
all: t
	@echo all
t: d
