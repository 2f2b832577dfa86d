# args: --debug=b
# files: c@10
all: a b
a: c
	@echo a
b:
	@echo b
