# files: a.o@1 b.o@100 d/
# An archive found along VPATH; a user (%): % rule ($* is the member).
ARFLAGS = rvU
VPATH = d
all:
	@$(AR) rcU d/lib.a a.o
	@$(MAKE) --no-print-directory members
members: lib.a(a.o) lib.a(b.o)
	@echo '[$^] [$?]'
(%): %
	@echo '[$@] [$%] [$*] [$<]'
	$(AR) $(ARFLAGS) $@ $<
