# files: src/lib.a@10 lib.src@1
VPATH = src
all: lib.a
	@echo using $<
lib.a: lib.src
	@echo build $@
