# files: out.txt@5 in.txt@10
out.txt: in.txt
	cp in.txt out.txt
