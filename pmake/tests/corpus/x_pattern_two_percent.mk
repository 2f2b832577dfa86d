# files: x%y.in@1
all: x%y.out
%.out: %.in
	@echo [$*]
