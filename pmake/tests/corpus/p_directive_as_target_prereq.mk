all: include
	@echo $^
include:
	@:
