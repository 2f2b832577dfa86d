EMPTY =
all: $(EMPTY)
	@echo ok
