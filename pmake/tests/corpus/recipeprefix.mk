.RECIPEPREFIX = >
all:
> @echo custom prefix
