private X = p
all: c
	@echo all [$(X)]
c:
	@echo c [$(X)]
