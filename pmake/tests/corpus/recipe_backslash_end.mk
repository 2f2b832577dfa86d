all:
	echo a\\
