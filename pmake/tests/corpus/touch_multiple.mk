# args: -t
# files: a@10
all: x y
x: a
	@echo x
y: a
	@echo y
