# Without .LOW_RESOLUTION_TIME, a fraction of a second counts.
$(shell touch -d '2020-01-01 00:00:00.5' p; touch -d '2020-01-01 00:00:00.2' t)
t: p
	@echo remake $@
