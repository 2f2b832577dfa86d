# files: libs/libfoo.a@5 libbar.so@6 other/libbaz.a@7 other/libbaz.so@8 libqux.a@9 libs/libqux.so@10
# -lNAME prerequisites are found through .LIBPATTERNS: the current directory, vpath, VPATH.
vpath %.a libs
VPATH = other
all: prog
	-@$(MAKE) --no-print-directory missing
	@$(MAKE) --no-print-directory '.LIBPATTERNS=lib%.a nopattern' prog
prog: -lfoo -lbar -lbaz -lqux
	@echo '[$^] [$<] [$?]'
	@echo '$(.LIBPATTERNS)'
missing: -lnosuch
