# A .LOW_RESOLUTION_TIME target stands for the end of its second: a prerequisite a fraction of
# a second newer does not make it out of date; a high-resolution time on it is warned about.
$(shell touch -d '2020-01-01 00:00:00.5' p; touch -d '2020-01-01 00:00:00.2' t; touch -d '2020-01-01 00:00:02' u)
.LOW_RESOLUTION_TIME: t u
all: t u
t: p
	@echo remake $@
u: p
	@echo remake $@
