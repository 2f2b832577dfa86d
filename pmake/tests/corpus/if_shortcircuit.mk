all:
	@echo $(if ,$(error no),fine)
