# files: d/
all:
	cd d && pwd | sed 's|.*/||'
