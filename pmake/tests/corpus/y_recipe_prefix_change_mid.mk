all: a
	@echo all
.RECIPEPREFIX = +
a:
+@echo a
