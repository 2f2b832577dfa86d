all:
	echo 'single  spaced' "double"
	echo a\ b
