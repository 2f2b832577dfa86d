Q = @
all:
	$(Q)echo quiet via var
