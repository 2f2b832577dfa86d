# lib((entry)) references are refused as GNU make does.
all: lib.a((entry))
