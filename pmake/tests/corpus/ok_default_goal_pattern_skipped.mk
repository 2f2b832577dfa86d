%.o:
	@echo p
.hidden:
	@echo h
real:
	@echo real
