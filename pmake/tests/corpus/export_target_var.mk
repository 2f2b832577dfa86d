all: export TV = tv
all:
	@echo [$$TV]
