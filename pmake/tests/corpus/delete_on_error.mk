.DELETE_ON_ERROR:
out:
	echo partial > $@; exit 1
