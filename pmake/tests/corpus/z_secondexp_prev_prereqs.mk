.SECONDEXPANSION:
all: a b $$(addsuffix .x,$$^)
	@echo [$^]
a b a.x b.x:
	@:
