reverse = $(2) $(1)
all:
	@echo $(call reverse,a,b)
