# files: foo.src@1
all: foo
%: %.src
	@echo any $@
