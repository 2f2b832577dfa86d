all: $(OBJ)
	@echo [$^]
OBJ = x
