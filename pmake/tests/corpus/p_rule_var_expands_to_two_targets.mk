TS = x y
all: $(TS)
$(TS):
	@echo $@
