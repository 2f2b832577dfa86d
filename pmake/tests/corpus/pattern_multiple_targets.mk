# files: x.in@1
all: x.a x.b
%.a %.b: %.in
	@echo making $@ once
	@touch $*.a $*.b
