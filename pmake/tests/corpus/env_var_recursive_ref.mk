# env: E=$(X)
X = expanded
all:
	@echo $(E)
