ifdef X
endif
$(error something bad)
all:
