A = 1
E =
ifdef A
X += A
endif
ifdef E
X += E
endif
ifndef U
X += U
endif
all:
	@echo $(X)
