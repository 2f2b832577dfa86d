all: a b
a b &:
	@echo making both
	touch a b
