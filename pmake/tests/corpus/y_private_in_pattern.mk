%.t: private P = pv
all: a.t
	@echo all [$(P)]
a.t: dep
	@echo $@ [$(P)]
dep:
	@echo dep [$(P)]
