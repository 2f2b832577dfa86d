# files: d/Makefile
# args: -C d --no-print-directory
all:
