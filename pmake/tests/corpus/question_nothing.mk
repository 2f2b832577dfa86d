# args: -q
# files: f@1
all: f
