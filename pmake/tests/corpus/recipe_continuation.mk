all:
	@echo a \
	b
	@echo 'x\
	y'
