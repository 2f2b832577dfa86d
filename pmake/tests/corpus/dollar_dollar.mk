all:
	@echo $$$$ > /dev/null; echo '$$'
