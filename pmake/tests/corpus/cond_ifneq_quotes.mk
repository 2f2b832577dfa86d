ifneq "a" 'b'
R = diff
endif
all:
	@echo $(R)
