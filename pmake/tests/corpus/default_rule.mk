.DEFAULT:
	@echo default for $@
all: x y
