x = outer
all:
	@echo $(foreach x,1 2,$(x)) $(x)
