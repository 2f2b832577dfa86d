all:
	$(eval Y = set)
	@echo $(Y)
