all:
	@echo $(file >out.txt,line one)$(file >>out.txt,line two)
	@cat out.txt
	@echo '$(file <out.txt)'
