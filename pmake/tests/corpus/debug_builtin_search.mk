# args: --debug=v,i,m
# files: prog.c@10
prog.o:
