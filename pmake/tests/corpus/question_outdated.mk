# args: -q
# files: in@10 out@1
out: in
	echo x > out
