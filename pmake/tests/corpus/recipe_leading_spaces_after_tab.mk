all:
	   @echo indented
