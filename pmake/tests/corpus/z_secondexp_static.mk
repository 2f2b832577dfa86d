.SECONDEXPANSION:
OBJ_foo = one two
all: foo.t
foo.t: %.t: $$(OBJ_$$*)
	@echo $@: $^
one two:
	@:
