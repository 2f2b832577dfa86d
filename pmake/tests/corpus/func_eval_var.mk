$(eval A = 5)
all:
	@echo $(A)
