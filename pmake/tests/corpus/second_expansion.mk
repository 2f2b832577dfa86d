.SECONDEXPANSION:
P = a
all: $$(P)
	@echo $^
P = b
a:
	@echo a
b:
	@echo b
