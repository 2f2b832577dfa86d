all:
	@if true; then \
	  echo yes; \
	else \
	  echo no; \
	fi
