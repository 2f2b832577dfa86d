X = Y
Y_v = hello
all:
	@echo $($(X)_v)
