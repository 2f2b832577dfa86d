# args: -q
# files: in@1 out@10
out: in
	echo x > out
