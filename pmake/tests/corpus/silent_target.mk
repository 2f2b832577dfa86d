.SILENT: all
all:
	echo hi
other:
