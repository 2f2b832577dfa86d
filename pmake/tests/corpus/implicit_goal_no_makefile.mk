# args: -f /dev/null hello
# files: hello.c@1
