all:
	@echo $(call subst,a,b,aaa)
