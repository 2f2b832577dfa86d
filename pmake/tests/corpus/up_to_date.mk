# files: out.txt@10 in.txt@5
out.txt: in.txt
	cp in.txt out.txt
