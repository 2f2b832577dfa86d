# files: a.o@10 b.o@20 a_member_name_longer_than_16.o@30
# Members keep their dates (ar U): a second run finds everything up to date, and a member
# whose file got newer is replaced.
ARFLAGS = rvU
OBJS = a.o b.o a_member_name_longer_than_16.o
all:
	@$(MAKE) --no-print-directory lib.a
	@$(MAKE) --no-print-directory lib.a
	touch -d @1500000050 a.o
	@$(MAKE) --no-print-directory lib.a
	@$(MAKE) --no-print-directory -q lib.a; echo "question: $$?"
	@$(AR) tvU lib.a | sed 's/^[^ ]* [^ ]* *[0-9]* //'
lib.a: lib.a($(OBJS))
	@echo "archive [$@] [$?]"
