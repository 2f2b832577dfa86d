all:
	@echo $(filter-out a% %z,abc xyz mid)
