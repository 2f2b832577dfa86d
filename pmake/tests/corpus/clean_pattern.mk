# files: a.o@1 b.o@1 prog@2
.PHONY: clean
clean:
	rm -f *.o prog
