# args: -f
