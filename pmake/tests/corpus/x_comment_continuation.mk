# comment \
still comment
all:
	@echo ok
