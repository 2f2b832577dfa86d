export define MSG
hello world
endef
all:
	@echo "$$MSG"
