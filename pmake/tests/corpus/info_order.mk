$(info one)
X := $(info two)
all:
	@echo three
$(info four)
