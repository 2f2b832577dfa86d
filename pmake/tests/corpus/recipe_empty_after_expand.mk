E =
all:
	$(E)
	@echo ok
