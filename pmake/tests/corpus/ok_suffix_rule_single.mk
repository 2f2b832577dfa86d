# files: hello.sh@1
.SUFFIXES: .sh
.sh:
	@echo script $< to $@
all: hello
