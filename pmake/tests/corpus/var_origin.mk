# args: C=1
# env: E=1
F = 1
override O = 1
all:
	@echo $(origin F) $(origin C) $(origin E) $(origin O) $(origin U) $(origin CC) $(origin @)
