a.b-c_d = 1
all:
	@echo $(a.b-c_d)
