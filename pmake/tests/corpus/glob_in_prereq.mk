# files: a.h@1 b.h@1
all: *.h
	@echo $^
