.SUFFIXES: .out .a .ln .o .c .cc .C .cpp .p .f .F .m .r .y .l .ym .yl .s .S .mod .sym .def .h .info .dvi .tex .texinfo .texi .txinfo .w .ch .web .sh .elc .el
.cpp:
	$(LINK.cpp) $^ $(LOADLIBES) $(LDLIBS) -o $@
.c.o:
	$(COMPILE.c) $(OUTPUT_OPTION) $<
.sh:
	cat $< >$@ 
	 chmod a+x $@
.r.f:
	$(PREPROCESS.r) $(OUTPUT_OPTION) $<
.def.sym:
	$(COMPILE.def) -o $@ $<
.m.o:
	$(COMPILE.m) $(OUTPUT_OPTION) $<
.lm.m:
	@$(RM) $@ 
	 $(LEX.m) $< > $@
.p.o:
	$(COMPILE.p) $(OUTPUT_OPTION) $<
.C:
	$(LINK.C) $^ $(LOADLIBES) $(LDLIBS) -o $@
.y.ln:
	$(YACC.y) $< 
	 $(LINT.c) -C$* y.tab.c 
	 $(RM) y.tab.c
.l.c:
	@$(RM) $@ 
	 $(LEX.l) $< > $@
.r.o:
	$(COMPILE.r) $(OUTPUT_OPTION) $<
.mod:
	$(COMPILE.mod) -o $@ -e $@ $^
.S:
	$(LINK.S) $^ $(LOADLIBES) $(LDLIBS) -o $@
.texi.dvi:
	$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<
.txinfo.dvi:
	$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<
.y.c:
	$(YACC.y) $< 
	 mv -f y.tab.c $@
.cpp.o:
	$(COMPILE.cpp) $(OUTPUT_OPTION) $<
.cc:
	$(LINK.cc) $^ $(LOADLIBES) $(LDLIBS) -o $@
.m:
	$(LINK.m) $^ $(LOADLIBES) $(LDLIBS) -o $@
.F:
	$(LINK.F) $^ $(LOADLIBES) $(LDLIBS) -o $@
.web.tex:
	$(WEAVE) $<
.texinfo.info:
	$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@
.ym.m:
	$(YACC.m) $< 
	 mv -f y.tab.c $@
.f:
	$(LINK.f) $^ $(LOADLIBES) $(LDLIBS) -o $@
.r:
	$(LINK.r) $^ $(LOADLIBES) $(LDLIBS) -o $@
.w.tex:
	$(CWEAVE) $< - $@
.s.o:
	$(COMPILE.s) -o $@ $<
.c.ln:
	$(LINT.c) -C$* $<
.tex.dvi:
	$(TEX) $<
.texinfo.dvi:
	$(TEXI2DVI) $(TEXI2DVI_FLAGS) $<
.F.o:
	$(COMPILE.F) $(OUTPUT_OPTION) $<
.s:
	$(LINK.s) $^ $(LOADLIBES) $(LDLIBS) -o $@
.S.o:
	$(COMPILE.S) -o $@ $<
.o:
	$(LINK.o) $^ $(LOADLIBES) $(LDLIBS) -o $@
.C.o:
	$(COMPILE.C) $(OUTPUT_OPTION) $<
.c:
	$(LINK.c) $^ $(LOADLIBES) $(LDLIBS) -o $@
.txinfo.info:
	$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@
.texi.info:
	$(MAKEINFO) $(MAKEINFO_FLAGS) $< -o $@
.l.r:
	$(LEX.l) $< > $@ 
	 mv -f lex.yy.r $@
.p:
	$(LINK.p) $^ $(LOADLIBES) $(LDLIBS) -o $@
.l.ln:
	@$(RM) $*.c
	 $(LEX.l) $< > $*.c
	$(LINT.c) -i $*.c -o $@
	 $(RM) $*.c
.mod.o:
	$(COMPILE.mod) -o $@ $<
.web.p:
	$(TANGLE) $<
.S.s:
	$(PREPROCESS.S) $< > $@
.f.o:
	$(COMPILE.f) $(OUTPUT_OPTION) $<
.cc.o:
	$(COMPILE.cc) $(OUTPUT_OPTION) $<
.F.f:
	$(PREPROCESS.F) $(OUTPUT_OPTION) $<
.w.c:
	$(CTANGLE) $< - $@
(%): %
	$(AR) $(ARFLAGS) $@ $<
%.out: %
	@rm -f $@ 
	 cp $< $@
%.c: %.w %.ch
	$(CTANGLE) $^ $@
%.tex: %.w %.ch
	$(CWEAVE) $^ $@
%:: %,v
	$(CHECKOUT,v)
%:: RCS/%,v
	$(CHECKOUT,v)
%:: RCS/%
	$(CHECKOUT,v)
%:: s.%
	$(GET) $(GFLAGS) $(SCCS_OUTPUT_OPTION) $<
%:: SCCS/s.%
	$(GET) $(GFLAGS) $(SCCS_OUTPUT_OPTION) $<
