all:
	@echo $(basename a.b/c d.e.f .g) $(suffix a.b/c d.e.f .g)
