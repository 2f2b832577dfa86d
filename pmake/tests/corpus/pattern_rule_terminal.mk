# files: f.src@1
all: f.dst
%.dst:: %.src
	@echo terminal $< $@
