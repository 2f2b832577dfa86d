# args: -f missing.mk all
