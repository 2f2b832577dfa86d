f = <$(1)|$(2)>
all:
	@echo '$(call f,(a,b),c)'
