# args: -f nosuch.mk
