# args: -e
# env: P=env
all:
	@echo $(origin P)
