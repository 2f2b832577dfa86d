all: OUT = $@.out
all:
	@echo $(OUT)
