RULE = gen: ; @echo generated
$(RULE)
all: gen
