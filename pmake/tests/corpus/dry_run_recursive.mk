# args: -n
all:
	$(MAKE) sub
sub:
	echo sub-recipe
