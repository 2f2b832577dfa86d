all:
	@echo $(flavor @) $(origin @)
