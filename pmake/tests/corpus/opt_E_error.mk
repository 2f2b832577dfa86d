# args: -E 'bad line'
all:
	@echo x
