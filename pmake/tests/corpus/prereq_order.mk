all: a b c
	@echo all
a:
	@echo a
b:
	@echo b
c:
	@echo c
