f = $(1)+$(1)
all:
	@echo '$(value f)' $(call f,x)
