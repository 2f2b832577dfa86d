.SILENT:
all:
	echo hi
