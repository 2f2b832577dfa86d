all:
	@echo a
ifdef X
	@echo x
else
	@echo notx
endif
	@echo b
