# files: tool@10 out@5
.EXTRA_PREREQS = tool
out:
	@echo rebuilt [$^]
