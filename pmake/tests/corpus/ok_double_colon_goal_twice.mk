all:: a
	@echo 1
all:: b
	@echo 2
a b:
	@echo $@
