# files: d1/Makefile d2/Makefile
SUBDIRS = d1 d2
all: setup $(SUBDIRS)
setup:
	@for d in $(SUBDIRS); do printf 'all:\n\t@echo in %s\n' $$d > $$d/Makefile; done
$(SUBDIRS): setup
	@$(MAKE) -s -C $@
.PHONY: all setup $(SUBDIRS)
