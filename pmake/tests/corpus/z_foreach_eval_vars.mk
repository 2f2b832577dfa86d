$(foreach v,A B C,$(eval $(v) = val_$(v)))
all:
	@echo $(A) $(B) $(C)
