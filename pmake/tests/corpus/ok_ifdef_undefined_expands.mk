X = $(Y)
ifdef X
R = defined
endif
all:
	@echo $(R)
