# files: sub/x.o@5 y.c@6
# $@ is the archive, $% the member; explicit lib.a(x.o): x.o rules.
ARFLAGS = rvU
all: out/lib.a(sub/x.o) out/lib.a(y.o)
out/lib.a(sub/x.o): sub/x.o
	@mkdir -p out
	@echo '[$@] [$%] [$(%D)] [$(%F)] [$*] [$<] [$^] [$(@D)] [$(@F)]'
	$(AR) $(ARFLAGS) $@ $<
out/lib.a(%.o): %.c
	@echo '[$@] [$%] [$(%D)] [$(%F)] [$*] [$<]'
(%): %
	@echo never
