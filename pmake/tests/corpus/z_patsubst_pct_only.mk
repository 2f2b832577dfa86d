all:
	@echo $(patsubst %,%.o,a b) $(patsubst x%,%,xa xb c)
