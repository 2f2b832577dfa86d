# files: d/
# args: d
