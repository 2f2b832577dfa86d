.ONESHELL:
all:
	@x=1
	echo $$x
