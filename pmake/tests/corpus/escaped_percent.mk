all:
	@echo $(patsubst a\%%,x%,a%1 a%2)
