all:
	@echo $(filter a% %c,abc bcd ccc) $(filter-out %,x y)
