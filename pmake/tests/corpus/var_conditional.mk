A ?= one
A ?= two
B =
B ?= three
all:
	@echo '$(A)' '[$(B)]'
