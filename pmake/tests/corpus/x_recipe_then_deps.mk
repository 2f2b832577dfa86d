all:
	@echo $^
all: late
late:
	@:
