all:
	@echo $(addsuffix .c,foo bar) $(addprefix src/,foo bar)
