first:
	@echo first
.DEFAULT_GOAL :=
second:
	@echo second
