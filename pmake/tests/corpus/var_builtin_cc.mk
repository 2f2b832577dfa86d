all:
	@echo $(CC) $(CXX) $(RM) $(AR) $(ARFLAGS)
