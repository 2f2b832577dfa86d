# args: -n
all:
	$(MAKE) inner
inner:
	echo inner > created
