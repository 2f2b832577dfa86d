# A library built from C files through lib.a(a.o b.o) with the built-in rules; ar runs in
# its (Debian default) deterministic mode, where every member date is 0, which GNU make 4.3
# reads as "no such member": a second run rebuilds everything.
$(shell printf 'int fa(void) { return 1; }\n' > a.c; printf 'int averyveryverylongname(void) { return 3; }\n' > averyveryverylongname.c)
.SECONDARY: a.o averyveryverylongname.o
all:
	@$(MAKE) --no-print-directory lib.a
	@$(MAKE) --no-print-directory lib.a
	@$(AR) t lib.a
lib.a: lib.a(a.o averyveryverylongname.o)
	@echo "archive [$@] [$%] [$?] [$^] [$*]"
