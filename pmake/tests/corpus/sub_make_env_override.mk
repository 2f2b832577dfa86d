# args: -e
# env: X=env
X = file
all:
	@$(MAKE) -s inner
inner:
	@echo $(X)
