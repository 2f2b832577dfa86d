# A .LOW_RESOLUTION_TIME prerequisite counts in whole seconds: it is not newer than a target
# made later in the same second.
$(shell touch -d '2020-01-01 00:00:00.2' p; touch -d '2020-01-01 00:00:00.5' t)
.LOW_RESOLUTION_TIME: p
t: p
	@echo remake $@
