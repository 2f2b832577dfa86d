.DELETE_ON_ERROR:
.PRECIOUS: out
out:
	echo partial > $@; exit 1
