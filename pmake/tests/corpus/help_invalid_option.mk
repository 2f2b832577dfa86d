# args: --no-such-option
all:
