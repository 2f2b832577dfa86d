# args: -f /dev/null
