# files: c.txt b.txt a.txt
all:
	@echo $(wildcard *.txt)
