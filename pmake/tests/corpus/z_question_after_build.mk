# args: -q all
# files: a@1
all: a
