out.txt:
	echo made > out.txt
