# args: -q
all:
	$(MAKE) inner
inner:
	echo x
