out:
	echo partial > $@; exit 1
