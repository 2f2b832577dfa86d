$(eval t:;@echo 1)
$(eval t:;@echo 2)
all: t
