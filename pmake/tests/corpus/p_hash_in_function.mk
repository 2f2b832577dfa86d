X = $(subst a,\#,abc)
all:
	@echo '$(X)'
