X =   a   b   c  
all:
	@echo '[$(strip $(X))]'
