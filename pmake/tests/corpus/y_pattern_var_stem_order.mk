a%: V = a-short
ab%: V = ab-long
all: abc
abc:
	@echo $(V)
