# args: -Z
