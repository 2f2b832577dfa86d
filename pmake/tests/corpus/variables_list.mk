MYVAR = 1
all:
	@echo $(filter MYVAR,$(.VARIABLES))
