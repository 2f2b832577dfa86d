ifeq ( a , a )
$(info eq1)
endif
ifeq (a ,a)
$(info eq2)
endif
ifeq (a, a)
$(info eq3)
endif
all:;@:
